"""The faces of updeck: the command line (``cli``), the dashboard (``dashboard``) and the
work both of them do (``common``). Neither face imports the other."""
