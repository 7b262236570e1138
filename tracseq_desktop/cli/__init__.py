"""The ``tracseq`` command line."""
