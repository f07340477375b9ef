"""Page script run by st.navigation; the page lives in exportctl.webapp.batch."""

from exportctl.webapp import batch

batch.render()
