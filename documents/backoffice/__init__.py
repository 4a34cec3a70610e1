"""The clerks' screens of the correspondence app (one package, one layout: ``staff/base.html``):
work lists and case pages (``cases``), an office's ESP tokens (``esp``), and the staff menu
(``menu``) that every staff screen of every app shows. Views are thin: they parse input, call
a selector or a service and render. The map of all staff screens: docs/staff-screens.md.
"""
