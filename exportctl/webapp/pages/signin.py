"""Page script run by st.navigation: the sign-in page."""

from exportctl.webapp.session import sign_in_page

sign_in_page()
