"""The console's pages, one module per area: routes that read from the APIs and render a template."""
