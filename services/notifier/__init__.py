"""The notifier: durable SMS (Twilio) and e-mail (SMTP) delivery."""
