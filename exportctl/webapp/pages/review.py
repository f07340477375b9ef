"""Page script run by st.navigation; the page lives in exportctl.webapp.review."""

from exportctl.webapp import review

review.render()
