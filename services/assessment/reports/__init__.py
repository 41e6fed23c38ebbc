"""Public reports of a partnership's results for a period: JSON and a printable page, no personal data."""
