"""Read models: deals and approvals as plain, immutable data for the cards, the API and
reports (snapshots), and one person's approval inbox (App Home, /deal inbox)."""
