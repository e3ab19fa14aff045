"""Deals in from a CRM (CONTRACT.md, CRM in and out): HubSpot's and Salesforce's requests
verified, their records read through the policy's ``intake:`` mapping, each one a new
deal, a new revision of its deal, or nothing when it has not changed."""
