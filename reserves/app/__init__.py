"""The application: the command line, the template, the users, the audit trail and the web page."""
