"""Transparency: what the partnership publishes about its money (an IATI 2.03 activity file and its CSV for the
members, a public summary safe against differencing), each figure traceable to its transfers."""
