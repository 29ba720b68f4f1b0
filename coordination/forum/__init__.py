"""Forum data-exchange meetings: agenda (topics and cases each attendee sees by policy),
versioned minutes, tracked action items and the de-identified statistics pack."""
