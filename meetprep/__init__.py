"""meetprep: prepare municipal committee meetings (agendas, papers, invitations, minutes)."""

__version__ = "0.1.0"
