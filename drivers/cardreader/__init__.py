"""Cardreader family: interface, simulator (and the real driver)."""
