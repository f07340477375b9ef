"""Page script run by st.navigation; the page lives in exportctl.webapp.overview."""

from exportctl.webapp import overview

overview.render()
