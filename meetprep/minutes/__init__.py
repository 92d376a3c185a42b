"""Minutes (referat; Niederschrift): decisions recorded, documents written, steps moved on."""
