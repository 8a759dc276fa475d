"""The booking engine: a branch's calendar, availability search, and the booking verbs (hold, confirm, book,
reschedule, cancel, check in, complete, no-show), plus the waitlist."""
