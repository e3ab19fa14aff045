"""Deals coming in: the intake API (``POST/PATCH /api/deals``) and the CRMs' requests
(HubSpot, Salesforce), read through the policy's field mapping, with one error tree."""
