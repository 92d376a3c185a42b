"""Importing papers and meetings: reading, checking and writing them all or nothing."""
