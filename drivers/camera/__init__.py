"""Camera family: interface, simulator (and the real driver)."""
