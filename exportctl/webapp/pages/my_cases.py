"""Page script run by st.navigation; the page lives in exportctl.webapp.my_cases."""

from exportctl.webapp import my_cases

my_cases.render()
