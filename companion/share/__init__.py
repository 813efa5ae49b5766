"""Sharing an event over MQTT (issue 12): the car's status and log to the other car, the organiser
and the followers. config.py reads the event file's [share] table and broker URLs; topics.py names
the topics; outbox.py publishes the log from a cursor; peers.py merges another car's rows.

Nothing here imports textual; aiomqtt is imported only by the modules that talk to a broker.
"""
