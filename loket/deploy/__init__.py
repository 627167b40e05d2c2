"""Running Loket on several machines: the web node (``loket web``) and its server worker."""
