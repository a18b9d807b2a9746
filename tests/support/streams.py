"""A small template with two workstreams (dba, app) and an item in none, shared by the
timeline tests of the CLI and the dashboard."""

STREAMS_TEMPLATE = """\
format: 1
id: streams
name: Parallel teams
phases:
  execute:
    items:
      - id: dump-db
        title: Dump the database
        stream: dba
        estimate: 30m
      - id: stop-app
        title: Stop the application
        stream: app
        estimate: 10m
      - id: restore-db
        title: Restore the database
        stream: dba
        depends_on: [dump-db, stop-app]
        estimate: 1h
      - id: start-app
        title: Start the application
        stream: app
        depends_on: [restore-db]
        estimate: 10m
      - id: announce
        title: Announce the end
        depends_on: [start-app]
        estimate: 5m
"""
