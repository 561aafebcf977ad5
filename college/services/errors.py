class CollegeError(ValueError):
    """A refused step in the scale-up process or the fund, with a message fit for the user."""
