"""Findings: criteria most often failed, raised by the lead as curriculum revision requests to training, and the
outcome training announces (accepted into a draft, or declined with a reason)."""
