"""What people do in Slack besides slash commands: clicks on cards and Home, modal
submissions, opening the App Home tab. Each function here is the one ``bot/`` call a
listener in ``handlers/`` makes."""
