"""What people read: terminal summary, Excel, HTML and PDF reports."""
