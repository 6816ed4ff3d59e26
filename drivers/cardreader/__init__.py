"""Cardreader family: interface, simulator, and the real driver on PC/SC (pcsc_reader, pyscard).

The real driver is imported from its module (``drivers.cardreader.pcsc_reader``), not here: the
demo and the tests that use the simulator do not load pyscard.
"""
