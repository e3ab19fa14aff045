"""The sandbox: a local Slack workspace (Web API, response URLs, Block Kit limits), the
requests Slack sends to an app, signed, and a browser page that drives the real app
through them. The test suite's FakeSlack is built on the same workspace."""
