"""The ops console: server-rendered pages over the service layer, for the people who run plansync."""
