from hfjobs_spec.cli import main

raise SystemExit(main())
