"""Page script run by st.navigation; the page lives in exportctl.webapp.export_page."""

from exportctl.webapp import export_page

export_page.render()
