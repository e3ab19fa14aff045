"""Start-up, in one place (the composition root): the settings, the ``dealdesk`` CLI, the
wiring of a running ``serve`` (Runtime, ServeDeps), the Bolt app and the web server. The
only part of bot that imports the handlers, to register them; nothing imports it back."""
