"""The shared kernel of pure rules: what services and workflows both decide, with no I/O and no framework.

Services and workflows import from here; nothing here imports a service, a workflow or the runtime.
"""
