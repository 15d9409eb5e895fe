"""Build triggers: what turns a source repository's push (a GitHub, GitLab or Bitbucket webhook,
or any git server posting Quay's custom-git payload) into a build of a registry repository."""
