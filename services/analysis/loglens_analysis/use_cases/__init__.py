"""The run lifecycle's use cases: queueing a run (queue_run.py) and executing it (execute_run.py), written
against the ports in ports.py. No gRPC, no JetStream, no SQL here: entrypoints (api.py via service.py,
worker.py) translate, adapters (adapters/) do the I/O, and the unit tests run these with fakes."""
