"""ASK: queries x sources -> Lookups (fan-out, alternates' second round, offers cache)."""
