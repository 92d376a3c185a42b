"""Agendas: selecting, ordering and numbering the items, building a version, rendering its documents."""
