"""Page script run by st.navigation; the page lives in exportctl.webapp.browse."""

from exportctl.webapp import browse

browse.render()
