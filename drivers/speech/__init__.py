"""Speech family: the speaker interface, the silent speaker, espeak-ng run as a child process,
and a recording simulator for the tests.

Qt's own text-to-speech engine lives in ``ui.voice`` (it needs PySide6, which a driver never
imports); ``ui.voice.build_speaker`` chooses among them from the configuration.
"""
