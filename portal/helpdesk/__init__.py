"""The helpdesk of the data centre (CPD): tickets from citizens and clerks, FAQ, status page."""
