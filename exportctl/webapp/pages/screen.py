"""Page script run by st.navigation; the page lives in exportctl.webapp.screen."""

from exportctl.webapp import screen

screen.render()
