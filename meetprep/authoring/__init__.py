"""Papers written in Word: the author's kit, export of a stored paper, and reading the document back."""
