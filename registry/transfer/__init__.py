"""Air-gapped transfer: repositories out as an OCI image layout tarball, and into another
registry from one (`manage.py export`, `manage.py import`)."""
