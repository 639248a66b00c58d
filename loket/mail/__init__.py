"""Email: rendering (text + HTML), SMTP transport and the transactional outbox."""
