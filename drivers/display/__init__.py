"""Customer pole displays (2 x 20): CD5220 and Epson DM-D command sets."""
