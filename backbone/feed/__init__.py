"""The national feed: each national system's own stream of what the handling codes release to its country.

A filtering process reads the internal event topics and copies each event, unchanged (same CloudEvents binary
form, key and headers), to the topic of every subscriber whose country the event's `audience` attribute names.
It reads and writes in Kafka transactions, its consumed offsets committed in the same transaction as its writes,
so a subscriber reading with `isolation.level=read_committed` sees every released event exactly once, even when
the filter is killed half-way through a batch.
"""
