"""The Asterisk engine: Asterisk driven over AMI, the callee's audio over AudioSocket."""
