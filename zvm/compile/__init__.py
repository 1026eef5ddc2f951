"""What turns decoded Z-code into Python the run loop calls."""
