enum JSONataPlaceholder {}
