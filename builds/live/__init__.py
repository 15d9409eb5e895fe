"""Live build logs: each stored line pushed to the build page over a websocket as it arrives.

The route is ``/ws/build/<uuid>/logs`` (routing.py). A watcher who may read the build's
repository first gets the lines stored so far, then the new ones, each exactly once and in
order: every line carries its index, and the consumer sends only the next index it lacks,
reading a gap from the database. With Redis, channels-redis brings the lines from whichever
process stored them (publisher.py); without it the consumer reads them from the database every
half second.
"""
