"""Spending from what training does: facility use priced by the rate card and settled to hosts, instructor
stipends payable from delivered assignments."""
