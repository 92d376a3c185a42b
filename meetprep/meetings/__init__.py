"""Meetings: moving and cancelling them, their deadlines and their daily timeline."""
