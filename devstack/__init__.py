"""The local stack runner: PostgreSQL, Kafka and Temporal started by the project itself.

`make run` and the test fixtures share this code. All state lives under one git-ignored folder
(`.state/` by default). Every component can be replaced by an external endpoint through environment
variables (see `StackConfig`), in which case the runner does not start it.
"""
